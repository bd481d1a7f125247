"""``serve --workers N`` answers without waiting on Nagle (interfaces/cli/workers.py)."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from interfaces.cli.workers import TcpConfig


async def _nodelay_of_an_accepted_connection(listener: socket.socket) -> int:
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(connected, sock=listener)
    port = listener.getsockname()[1]
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await asyncio.wait_for(accepted, 10)
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


def test_connections_to_the_workers_socket_have_nagle_turned_off() -> None:
    listener = TcpConfig("interfaces.http.asgi:app_factory", host="127.0.0.1", port=0).bind_socket()
    assert listener.proto == socket.IPPROTO_TCP
    assert asyncio.run(_nodelay_of_an_accepted_connection(listener)) != 0


def test_uvicorn_s_own_socket_would_leave_it_on() -> None:
    """Why TcpConfig exists: when uvicorn sets the proto itself, this test fails
    and TcpConfig may go."""
    listener = uvicorn.Config("x:y", host="127.0.0.1", port=0).bind_socket()
    assert asyncio.run(_nodelay_of_an_accepted_connection(listener)) == 0
