"""The development mail backend: each message on the console as a person would read it."""

from __future__ import annotations

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend


class ReadableConsoleEmailBackend(ConsoleEmailBackend):
    """Django's console backend prints the raw MIME message: quoted-printable text, so a
    link breaks across lines with ``=`` at their ends and cannot be pasted. This one
    prints the headers and the plain-text body decoded, and names the other parts."""

    def write_message(self, message) -> None:
        msg = message.message()
        lines = [f"{name}: {value}" for name, value in msg.items()]
        body = msg.get_body(preferencelist=("plain",))
        lines.append("")
        lines.append(body.get_content().rstrip("\n") if body is not None else "")
        for part in msg.walk():
            if part is body or part.is_multipart():
                continue
            filename = part.get_filename()
            lines.append(f"[{part.get_content_type()}{f': {filename}' if filename else ''}]")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.write("-" * 79 + "\n")
