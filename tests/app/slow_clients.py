"""A slow-client attacker, run as its own process (as an attacker is): ``python slow_clients.py
PORT COUNT`` opens connections that send half a request's headers and wait, four threads at
a time, keeping the newest COUNT open; it prints ``holding`` once it holds COUNT and stops
when its standard input closes."""

from __future__ import annotations

import socket
import sys
import threading
import time


def attack(port: int, count: int, held: list[socket.socket], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=2)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append(sock)
        except OSError:
            time.sleep(0.01)
        if len(held) > count:
            held.pop(0).close()


def main() -> None:
    port, count = int(sys.argv[1]), int(sys.argv[2])
    held: list[socket.socket] = []
    stop = threading.Event()
    threads = [threading.Thread(target=attack, args=(port, count, held, stop), daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    while len(held) < count:
        time.sleep(0.05)
    print("holding", flush=True)
    sys.stdin.read()  # until the test closes the pipe
    stop.set()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
