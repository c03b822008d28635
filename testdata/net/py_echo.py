"""The line echo handler of the asyncio test servers (py_asyncio.py, py_inet.py):
answers each line upper-cased after "echo ", until the client closes."""


async def handle(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(b"echo " + line.upper())
        await writer.drain()
    writer.close()
    await writer.wait_closed()
