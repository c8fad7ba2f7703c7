"""The fast static target of the load-scripts benchmark: nginx on 127.0.0.1 with a tiny
config in a temp dir, answering the token and transcript paths with fixed JSON."""

from __future__ import annotations

import shutil
from pathlib import Path

from openapi import operation

TOKEN_PATH = operation("createToken").path
SESSIONS_PATH = operation("createSession").path
ENTRY_PATH = operation("addTranscriptEntry").path

CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  keepalive_requests 10000000;
  default_type application/json;
  # The token answer must carry the prefixed room the request named.
  map $http_x_body $room {{ "~\\"room\\":\\"(?<r>[^\\"]+)\\"" $r; default "room"; }}
  upstream self {{ server 127.0.0.1:{port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port} reuseport;
    location = {token} {{
      proxy_pass http://self/__token;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Body $request_body;
    }}
    location = /__token {{
      return 200 '{{"token":"eyJ.e30.sig","room":"proj_$room","wsUrl":"ws://localhost:7880","agents_dispatched":[]}}';
    }}
    location = {sessions} {{ return 201 '{{"id":1,"status":"active"}}'; }}
    location ~ ^{sessions}/[^/]+/transcript$ {{ return 201 '{{"sequence":1}}'; }}
    location ~ ^{sessions}/[^/]+/end$ {{ return 200 '{{"status":"completed"}}'; }}
  }}
}}
"""


def missing_tools() -> list[str]:
    """nginx and wrk, whichever is not installed (Debian puts nginx in /usr/sbin, often
    outside a user's PATH)."""
    return [
        tool
        for tool in ("nginx", "wrk")
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()
    ]


def argv(tmp: Path, port: int) -> list[str]:
    """Write the config into ``tmp`` and return the command that serves it on ``port``."""
    conf = tmp / "nginx.conf"
    conf.write_text(CONF.format(tmp=tmp, port=port, token=TOKEN_PATH, sessions=SESSIONS_PATH))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return [nginx, "-c", str(conf), "-p", str(tmp)]
