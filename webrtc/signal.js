// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// What the WHIP publisher and the WHEP player pages share: both talk to
// the server that served them, at this page's own URL.
const video = document.getElementById('video');
const status = document.getElementById('status');

// signal negotiates pc as WHIP and WHEP do (POST an offer, read the
// answer, DELETE on leaving), protocol naming which in errors. Offers are
// whole: it waits for every ICE candidate, as the server does not trickle.
async function signal(pc, protocol) {
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
    setTimeout(resolve, 2000);
  });
  const r = await fetch(location.pathname, {
    method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp,
  });
  if (r.status !== 201) throw new Error(protocol + ' POST: HTTP ' + r.status + ' ' + (await r.text()));
  const resource = r.headers.get('Location');
  await pc.setRemoteDescription({ type: 'answer', sdp: await r.text() });
  window.addEventListener('pagehide', () => {
    if (resource) fetch(resource, { method: 'DELETE', keepalive: true });
  });
}

// reportEach posts what() as JSON each second to the URL given as
// ?report=URL, for a test or a monitor; without one it does nothing.
function reportEach(what) {
  const report = new URLSearchParams(location.search).get('report');
  if (!report) return;
  setInterval(() => {
    fetch(report, { method: 'POST', body: JSON.stringify(what()) }).catch(() => {});
  }, 1000);
}
