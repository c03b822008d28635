"""The line echo of the asyncio tests (py_asyncio.py, py_inet.py): the server's
handler answers each line upper-cased after "echo ", until the client closes; talk()
is a client's side."""


async def handle(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(b"echo " + line.upper())
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def talk(reader, writer, name, n):
    """Sends n lines named name, reads each answer, closes: the answers."""
    got = []
    for i in range(n):
        writer.write(b"%s-%d\n" % (name.encode(), i))
        await writer.drain()
        got.append((await reader.readline()).decode().strip())
    writer.close()
    await writer.wait_closed()
    return got
