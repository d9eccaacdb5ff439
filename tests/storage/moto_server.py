"""moto's S3 server on 127.0.0.1 and a free port, in a process of its own: prints the port, then
serves until its standard input closes. (A process of its own, so the tests' tracemalloc
counts only the client's memory, not the server's copy of every upload.)"""
from __future__ import annotations

import sys

from moto.server import ThreadedMotoServer

if __name__ == "__main__":
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    sys.stdin.read()
    server.stop()
