// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// A WHIP client that publishes the camera and microphone to the ingest
// that served this page. It reports {state}.
async function publish() {
  const media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  video.srcObject = media;
  const pc = new RTCPeerConnection();
  for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
  pc.onconnectionstatechange = () => { status.textContent = pc.connectionState; };
  await signal(pc, 'WHIP');
  reportEach(() => ({ state: pc.connectionState }));
}

status.textContent = 'asking for the camera…';
publish().catch((e) => { status.textContent = String(e); });
