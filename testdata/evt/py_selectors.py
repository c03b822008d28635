# selectors.EpollSelector over pipes, select.epoll directly (register, modify,
# unregister, edge-triggered) and os.eventfd, as an event loop uses them: what
# asyncio needs of epoll without its socketpair. Prints the same natively and in sbx.
import os
import select
import selectors
import threading
import time

sel = selectors.EpollSelector()
r, w = os.pipe()
sel.register(r, selectors.EVENT_READ, "reader")
print("idle:", sel.select(timeout=0))
os.write(w, b"hello")
print("ready:", [(k.data, ev) for k, ev in sel.select(timeout=1)])
print("read:", os.read(r, 100))
sel.register(w, selectors.EVENT_WRITE, "writer")
print("writable:", sorted(k.data for k, ev in sel.select(timeout=0)))
sel.unregister(w)


def later():
    time.sleep(0.05)
    os.write(w, b"x")


t = threading.Thread(target=later)
t.start()
print("woken:", [k.data for k, ev in sel.select(timeout=5)])
t.join()
os.read(r, 10)
sel.close()

ep = select.epoll()
ep.register(r, select.EPOLLIN | select.EPOLLET)
os.write(w, b"ab")
print("et:", ep.poll(0))
print("et again:", ep.poll(0))
ep.modify(r, select.EPOLLIN)
print("lt:", ep.poll(0), ep.poll(0))
ep.unregister(r)
try:
    ep.unregister(r)
except OSError as e:
    print("unregister twice:", e.errno)

efd = os.eventfd(0, os.EFD_NONBLOCK)
ep.register(efd, select.EPOLLIN)
print("eventfd idle:", ep.poll(0))
os.eventfd_write(efd, 3)
print("eventfd:", ep.poll(0), os.eventfd_read(efd))
ep.close()
print("ok")
