"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, writing every accepted message
to DIR/NNNNN.eml and a decoded DIR/NNNNN.json (atomically). Usage: smtp_sink.py PORT DIR"""
import asyncio
import email
import email.policy
import json
import os
import signal
import time
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        # Continue numbering after a restart on the same directory.
        self.count = len([n for n in os.listdir(directory) if n.endswith(".eml")])

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, f"{self.count:05d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        # A decoded copy, so tests can read bodies without a MIME parser.
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        decoded = {
            "received_at": time.time(),
            "rcpt_to": envelope.rcpt_tos,
            "headers": {k: str(v) for k, v in msg.items()},
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        }
        with open(path[:-4] + ".json.tmp", "w") as f:
            json.dump(decoded, f)
        os.rename(path[:-4] + ".json.tmp", path[:-4] + ".json")
        return "250 Message accepted for delivery"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
