#!/usr/bin/python3
"""smtp_standin.py: a real SMTP server (aiosmtpd) on 127.0.0.1 that writes every message it accepts to a directory.

usage: smtp_standin.py --dir DIR --port-file FILE [--starttls CERT KEY | --smtps CERT KEY]
                       [--auth USER:PASSWORD] [--rcpt-reply "451 4.3.0 try later"]

Each accepted message becomes DIR/NNNN.eml (the bytes as received, dot-unstuffed by the server)
and DIR/NNNN.json (envelope, TLS and AUTH facts), the .json written last and atomically so a
reader that sees it sees both. The chosen port is written to FILE once the server listens.
Stop it with SIGTERM.
"""
import argparse
import asyncio
import json
import logging
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Recorder:
    def __init__(self, outdir, rcpt_reply):
        self.outdir = outdir
        self.rcpt_reply = rcpt_reply
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.outdir, "%04d" % self.count)
        auth = session.auth_data
        login = auth.login if isinstance(auth, LoginPassword) else None
        facts = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "helo": session.host_name,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "auth_login": login.decode("utf-8", "replace") if isinstance(login, bytes) else login,
        }
        write_atomic(base + ".eml", envelope.original_content)
        write_atomic(base + ".json", json.dumps(facts).encode())
        return "250 2.0.0 queued as %04d" % self.count


def tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--smtps", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth", metavar="USER:PASSWORD")
    ap.add_argument("--rcpt-reply")
    args = ap.parse_args()
    # aiosmtpd logs a traceback for every refused TLS handshake, which some tests cause on purpose
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)

    handler = Recorder(args.dir, args.rcpt_reply)
    starttls = tls_context(*args.starttls) if args.starttls else None
    smtps = tls_context(*args.smtps) if args.smtps else None
    user = password = None
    if args.auth:
        user, password = args.auth.split(":", 1)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return SMTP(handler, hostname="standin.test", loop=loop,
                    tls_context=starttls, require_starttls=starttls is not None,
                    authenticator=authenticator if user else None, auth_required=user is not None,
                    auth_require_tls=starttls is not None or smtps is not None)

    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0, ssl=smtps))
    port = server.sockets[0].getsockname()[1]
    write_atomic(args.port_file, str(port).encode())
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
