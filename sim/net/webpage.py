"""The page AT+WEBSERVER serves at ``/`` (3.13, examples 4.7.1, 4.7.2): a Wi-Fi provisioning form and an OTA
upload, both speaking the board's configuration API (``/setstainfo``, ``/getstainfo``, ``/getresult``,
``/setotadata``). The firmware embeds its own HTML; this page is the simulator's, written for the same API."""

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>ESP-AT Web Server</title></head>
<body>
<h1>Wi-Fi provisioning</h1>
<form id="wifi" onsubmit="connectWifi(); return false;">
  <label>SSID <input id="ssid" name="ssid"></label>
  <label>Password <input id="password" name="password" type="password"></label>
  <button id="connect" type="submit">Connect</button>
</form>
<p id="wifi-status">waiting config</p>
<h1>OTA</h1>
<form id="ota" onsubmit="sendOta(); return false;">
  <input id="firmware" type="file">
  <button id="upload" type="submit">Send</button>
</form>
<p id="ota-status"></p>
<script>
async function connectWifi() {
  const body = JSON.stringify({ssid: document.getElementById('ssid').value,
                               password: document.getElementById('password').value});
  const status = document.getElementById('wifi-status');
  const r = await fetch('/setstainfo', {method: 'POST', body: body});
  if (!r.ok) { status.textContent = 'config failed'; return; }
  status.textContent = 'connecting';
  for (let i = 0; i < 120; i++) {
    const info = await (await fetch('/getstainfo')).json();
    if (info.state === 1 || info.state === 2) {
      status.textContent = info.message;
      await fetch('/getresult', {method: 'POST', body: JSON.stringify({received: 1})});
      return;
    }
    await new Promise(done => setTimeout(done, 250));
  }
}
async function sendOta() {
  const file = document.getElementById('firmware').files[0];
  const status = document.getElementById('ota-status');
  const r = await fetch('/setotadata', {method: 'POST', headers: {'Object': 'ota'}, body: file});
  status.textContent = r.ok ? 'OTA Succeeded' : 'OTA Failed';
}
</script>
</body></html>
"""
