// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// A WHEP client that plays the endpoint that served this page. It
// reports {frames, width, height, state}.
let frames = 0;

function countFrames() {
  if (!('requestVideoFrameCallback' in video)) return;
  const tick = () => { frames++; video.requestVideoFrameCallback(tick); };
  video.requestVideoFrameCallback(tick);
}

async function play() {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const stream = new MediaStream();
  pc.ontrack = (e) => { stream.addTrack(e.track); video.srcObject = stream; };
  pc.onconnectionstatechange = () => { status.textContent = pc.connectionState; };
  await signal(pc, 'WHEP');
  countFrames();
  reportEach(() => ({ frames, width: video.videoWidth, height: video.videoHeight, state: pc.connectionState }));
}

video.controls = true;
status.textContent = 'connecting…';
play().catch((e) => { status.textContent = String(e); });
