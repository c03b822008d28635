"""python3's asyncio, the event loop most python servers run on: a unix-socket echo
server and its clients, timers, a subprocess with piped output, a signal handler (the
loop's self-pipe is a socketpair, its selector epoll), wait_for with a timeout, and a
thread handing results back through call_soon_threadsafe. Deterministic output,
compared with a native run.
    python3 testdata/net/py_asyncio.py [cr]
With "cr" (zdtm form, tests/integration/cr/case.sh --signal): the server, a connected
client with a request half sent, an armed timer and a running subprocess exist at the
ready mark; SIGUSR1 after the restore lets everything finish.
"""
import asyncio
import os
import signal
import sys
import tempfile
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from py_echo import handle, talk  # noqa: E402

CR = len(sys.argv) > 1 and sys.argv[1] == "cr"


async def client(path, name, n):
    reader, writer = await asyncio.open_unix_connection(path)
    return await talk(reader, writer, name, n)


def in_thread(loop, fut):
    total = sum(i * i for i in range(10000))
    loop.call_soon_threadsafe(fut.set_result, total)


async def main():
    loop = asyncio.get_running_loop()
    print("selector:", type(loop._selector).__name__)
    d = tempfile.mkdtemp()
    path = os.path.join(d, "echo.sock")
    server = await asyncio.start_unix_server(handle, path)

    order = []
    loop.call_later(0.03, order.append, "late")
    loop.call_later(0.01, order.append, "early")

    usr1 = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, usr1.set)

    proc = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", "read x; echo got $x; exit 3",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)

    if CR:
        # A connection with a request half sent, waiting across the checkpoint.
        reader, writer = await asyncio.open_unix_connection(path)
        writer.write(b"half")
        await writer.drain()
        print("ready", flush=True)
        await usr1.wait()
        print("resumed", flush=True)
        writer.write(b"-done\n")
        await writer.drain()
        print((await reader.readline()).decode().strip())
        writer.close()
        await writer.wait_closed()
    else:
        os.kill(os.getpid(), signal.SIGUSR1)
        await asyncio.wait_for(usr1.wait(), 5)
        print("signal handled")

    results = await asyncio.gather(client(path, "a", 3), client(path, "b", 2))
    for r in results:
        print(" ".join(r))

    out, _ = await proc.communicate(b"hello\n")
    print(out.decode().strip(), "status", proc.returncode)

    try:
        await asyncio.wait_for(asyncio.sleep(10), 0.02)
    except asyncio.TimeoutError:
        print("wait_for timed out")

    fut = loop.create_future()
    threading.Thread(target=in_thread, args=(loop, fut)).start()
    print("thread:", await fut)

    await asyncio.sleep(0.05)
    print("timers:", " ".join(order))
    server.close()
    await server.wait_closed()
    os.unlink(path)
    os.rmdir(d)
    print("done")


asyncio.run(main())
