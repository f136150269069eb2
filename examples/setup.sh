#!/bin/bash
# Runs once on the image builder (ami.source: bake) before the image is
# taken: install the runtime and the app so that instances boot ready.
set -euo pipefail
dnf install -y nodejs git
useradd --system --create-home --home-dir /opt/app app || true
mkdir -p /opt/app
cat > /opt/app/server.js <<'JS'
const http = require("http");
http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(req.url === "/health" ? "ok\n" : "hello from " + require("os").hostname() + "\n");
}).listen(3000);
JS
chown -R app:app /opt/app
cat > /etc/systemd/system/app.service <<'UNIT'
[Unit]
Description=the app
After=network-online.target

[Service]
User=app
WorkingDirectory=/opt/app
ExecStart=/usr/bin/node /opt/app/server.js
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable app.service
