"""The outbox tests' SMTP server: aiosmtpd on loopback, each message received written
to DIR as a JSON file: the envelope's sender and recipients, and the message as a mail
reader decodes it (From, To, Subject, Message-ID, the text), beside the raw message.

    python server.py DIR PORT

PORT 0 picks a free port. Prints "listening PORT" once it accepts connections and
serves until stdin closes (the test's process ending closes it).
"""

import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Keep:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.directory, f"{self.count:04d}.json")
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        message = email.message_from_bytes(data, policy=email.policy.default)
        received = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "content_type": message.get_content_type(),
            "text": message.get_content(),
            "raw": data.decode("utf-8", "replace"),
        }
        # Written under another name first, so the test never reads half a message.
        with open(name + ".part", "w", encoding="utf-8") as f:
            json.dump(received, f, ensure_ascii=False)
        os.replace(name + ".part", name)
        return "250 Message accepted for delivery"


async def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    handler = Keep(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="smtp.test", decode_data=False),
        host="127.0.0.1",
        port=port,
    )
    print("listening", server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
