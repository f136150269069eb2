#!/bin/bash
# User data: runs once as root when an instance first boots. On a baked
# image the app is installed already and this only starts it; on the plain
# base image (ami.source: latest) it installs a minimal app first.
set -euo pipefail
if [ ! -f /etc/systemd/system/app.service ]; then
  dnf install -y nodejs
  mkdir -p /opt/app
  cat > /opt/app/server.js <<'JS'
const http = require("http");
http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(req.url === "/health" ? "ok\n" : "hello from " + require("os").hostname() + "\n");
}).listen(3000);
JS
  cat > /etc/systemd/system/app.service <<'UNIT'
[Unit]
Description=the app
After=network-online.target

[Service]
ExecStart=/usr/bin/node /opt/app/server.js
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
fi
systemctl enable --now app.service
