#!/usr/bin/env python3
"""delay-proxy.py: a TCP delay line between two network namespaces.

    delay-proxy.py --rtt-ms RTT --port PORT --upstream-netns NAME ADDR...

Listens on ADDR:PORT (loopback addresses, in the namespace it was started
in) and forwards every connection to the same ADDR:PORT in the network
namespace NAME, delaying every chunk of data by RTT/2 in each direction, so
a request/response exchange takes RTT longer, as over a link of that
round-trip time. Accepting also waits one RTT (the TCP handshake).

Why not `tc qdisc ... netem delay`: this machine's kernel has no netem
(CONFIG_NET_SCH_NETEM unset, no modules), nor any other qdisc that delays.
A user-space delay line delays application data, not TCP segments: no
ACK clocking or slow start is emulated, which for the short exchanges of
an ssh control connection makes no difference that matters here.

Only the loopback addresses it is given are ever listened on or connected
to, and both namespaces are private ones made by bench/loop.sh. Standard
library only; one thread per direction and connection plus one per
delayed writer (a few connections per host at most). Stops on SIGTERM.
"""

import argparse
import collections
import ctypes
import os
import signal
import socket
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def connect_in_netns(netns_fd, self_fd, addr):
    """A TCP connection to addr made from inside the other namespace.

    setns() switches only the calling thread; the socket keeps the namespace
    it was created in, so the thread switches back right after."""
    if _libc.setns(netns_fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns to the upstream namespace")
    try:
        s = socket.create_connection(addr)
    finally:
        if _libc.setns(self_fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back")
    return s


class DelayLine:
    """Copies src to dst, each chunk sent `delay` seconds after it arrived."""

    def __init__(self, src, dst, delay):
        self.src, self.dst, self.delay = src, dst, delay
        self.queue = collections.deque()
        self.cond = threading.Condition()
        self.closed = False

    def start(self):
        threading.Thread(target=self.read, daemon=True).start()
        threading.Thread(target=self.write, daemon=True).start()

    def read(self):
        while True:
            try:
                data = self.src.recv(65536)
            except OSError:
                data = b""
            with self.cond:
                self.queue.append((time.monotonic() + self.delay, data))
                self.cond.notify()
            if not data:
                return

    def write(self):
        while True:
            with self.cond:
                while not self.queue:
                    self.cond.wait()
                due, data = self.queue.popleft()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not data:
                try:
                    self.dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            try:
                self.dst.sendall(data)
            except OSError:
                return


def serve(listener, port, netns_fd, self_fd, delay):
    while True:
        client, _ = listener.accept()
        addr = (listener.getsockname()[0], port)
        threading.Thread(
            target=pair, args=(client, addr, netns_fd, self_fd, delay), daemon=True
        ).start()


def pair(client, addr, netns_fd, self_fd, delay):
    time.sleep(2 * delay)  # the TCP handshake's round trip
    try:
        upstream = connect_in_netns(netns_fd, self_fd, addr)
    except OSError as e:
        print(f"delay-proxy: {addr}: {e}", file=sys.stderr)
        client.close()
        return
    for s in (client, upstream):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    DelayLine(client, upstream, delay).start()
    DelayLine(upstream, client, delay).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtt-ms", type=float, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream-netns", required=True)
    ap.add_argument("--ready-file")
    ap.add_argument("addrs", nargs="+")
    a = ap.parse_args()
    for addr in a.addrs:
        if not addr.startswith("127."):
            sys.exit(f"delay-proxy: {addr} is not a loopback address")
    netns_fd = os.open(f"/run/netns/{a.upstream_netns}", os.O_RDONLY)
    self_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    delay = a.rtt_ms / 2000.0
    for addr in a.addrs:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, a.port))
        ls.listen(512)
        threading.Thread(
            target=serve, args=(ls, a.port, netns_fd, self_fd, delay), daemon=True
        ).start()
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write(f"{os.getpid()}\n")
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
