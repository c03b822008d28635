"""python3 servers on the sandbox's loopback network: http.server (a
ThreadingHTTPServer on 127.0.0.1 port 0, in a thread) serving a file from /tmp,
fetched with urllib.request; an asyncio TCP echo server (start_server /
open_connection) over IPv4 and IPv6; UDP through asyncio's datagram endpoints; and
the name lookups a client makes (getaddrinfo of localhost, if_nametoindex). No port
is printed: ctest runs cases at once on the host's loopback.
    python3 testdata/net/py_inet.py [cr]
With "cr" (zdtm form, tests/integration/cr/case.sh --signal): the HTTP server holds a
connection with a request half sent, and an asyncio client one with a line half
sent, at the ready mark; SIGUSR1 after the restore lets both finish.
"""
import asyncio
import http.client
import http.server
import os
import signal
import socket
import sys
import tempfile
import threading
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from py_echo import handle, talk  # noqa: E402

CR = len(sys.argv) > 1 and sys.argv[1] == "cr"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def http_server(d):
    handler = lambda *a, **kw: Quiet(*a, directory=d, **kw)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def fetch(port, name):
    with urllib.request.urlopen("http://127.0.0.1:%d/%s" % (port, name), timeout=20) as r:
        return r.status, r.headers["Content-Length"], r.read()


async def client(host, port, name, n):
    reader, writer = await asyncio.open_connection(host, port)
    peer = writer.get_extra_info("peername")[0]
    return peer, await talk(reader, writer, name, n)


class Udp(asyncio.DatagramProtocol):
    def __init__(self, done):
        self.done = done

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        if data.startswith(b"pong"):
            self.done.set_result((data, addr[0]))
        else:
            self.transport.sendto(b"pong " + data, addr)


async def main(d, srv):
    loop = asyncio.get_running_loop()
    port = srv.server_address[1]
    usr1 = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, usr1.set)
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    aport = server.sockets[0].getsockname()[1]
    server6 = await asyncio.start_server(handle, "::1", 0)
    aport6 = server6.sockets[0].getsockname()[1]

    if CR:
        # a request half sent to the HTTP server, a line half sent to asyncio's
        hc = socket.create_connection(("127.0.0.1", port))
        hc.sendall(b"GET /page.html HTTP/1.0\r\nHost: x\r\n")
        reader, writer = await asyncio.open_connection("127.0.0.1", aport)
        writer.write(b"half")
        await writer.drain()
        print("ready", flush=True)
        await usr1.wait()
        print("resumed", flush=True)
        hc.sendall(b"\r\n")
        resp = b""
        while True:
            b = hc.recv(65536)
            if not b:
                break
            resp += b
        hc.close()
        head, body = resp.split(b"\r\n\r\n", 1)
        print("half-sent request:", head.split(b"\r\n")[0].decode(), len(body))
        writer.write(b"-done\n")
        await writer.drain()
        print((await reader.readline()).decode().strip())
        writer.close()
        await writer.wait_closed()

    status, length, body = await loop.run_in_executor(None, fetch, port, "page.html")
    print("http:", status, length, body[:24])
    try:
        await loop.run_in_executor(None, fetch, port, "missing")
    except urllib.error.HTTPError as e:
        print("http missing:", e.code)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    for i in range(3):
        conn.request("GET", "/page.html")
        r = conn.getresponse()
        print("keep-alive request", i, r.status, len(r.read()))
    conn.close()

    results = await asyncio.gather(client("127.0.0.1", aport, "a", 3),
                                   client("::1", aport6, "b", 2),
                                   client("localhost", aport, "c", 1))
    for peer, r in results:
        print(peer, " ".join(r))

    done = loop.create_future()
    echo, _ = await loop.create_datagram_endpoint(lambda: Udp(None), local_addr=("127.0.0.1", 0))
    uport = echo.get_extra_info("sockname")[1]
    tr, _ = await loop.create_datagram_endpoint(lambda: Udp(done), remote_addr=("127.0.0.1", uport))
    tr.sendto(b"ping")
    print("udp:", await asyncio.wait_for(done, 10))
    tr.close()
    echo.close()

    server.close()
    await server.wait_closed()
    server6.close()
    await server6.wait_closed()


d = tempfile.mkdtemp()
with open(os.path.join(d, "page.html"), "wb") as f:
    f.write(b"<html>hello from /tmp</html>\n" * 100)
srv = http_server(d)
print("localhost:", sorted({ai[4][0] for ai in socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)}))
print("if_nametoindex lo:", socket.if_nametoindex("lo"))
asyncio.run(main(d, srv))
srv.shutdown()
srv.server_close()
print("done")
