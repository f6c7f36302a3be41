"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives; it can be stopped and started again."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        # Keep the next N messages but answer 451, as a server does that stored a message and then failed to
        # confirm it (for the sender, the same as being killed between the server's "accepted" and its own record).
        self.keep_but_fail = 0
        self._controller: Controller | None = None
        self._arrived = threading.Condition()

    def wait_for(self, count: int, timeout: float = 60.0) -> list[EmailMessage]:
        """Block until `count` messages arrived (for another process's mail: no sleeping), or fail after `timeout`."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"{count} messages expected, {len(self.messages)} arrived")
            return list(self.messages)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        with self._arrived:
            self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[arg-type]
            self._arrived.notify_all()
        if self.keep_but_fail:
            self.keep_but_fail -= 1
            return "451 4.3.0 Temporary failure, try again"
        return "250 Message accepted for delivery"

    def url(self, to: str = "owner@example.com") -> str:
        return f"mailto://127.0.0.1:{self.port}?to={to}&from=monitor@example.com&mode=insecure"

    def start(self) -> MailServer:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]

    def html(self, index: int = -1) -> str:
        part = self.messages[index].get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""  # type: ignore[no-any-return]
