"""A Python xmlrpc.client caller of a procman/xmlrpc Server.

Run by TestPythonClient as: python3 pyclient.py SERVERURL, where SERVERURL
is http://HOST:PORT or unix:///PATH as supervisorctl takes it. It calls the
test server's methods and prints one JSON object saying what it saw.
"""
import base64
import datetime
import http.client
import json
import socket
import sys
import xmlrpc.client


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.socket_path)


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__(use_builtin_types=True)
        self.socket_path = path

    def make_connection(self, host):
        return UnixConnection(self.socket_path)


def server_proxy(url):
    if url.startswith("unix://"):
        transport = UnixTransport(url[len("unix://"):])
        url = "http://localhost/RPC2"
    else:
        transport = xmlrpc.client.Transport(use_builtin_types=True)
    # Gzip request bodies over 1 KiB, to exercise the server's gzip support.
    transport.encode_threshold = 1024
    return xmlrpc.client.ServerProxy(url, transport=transport, allow_none=True,
                                     use_builtin_types=True)


def jsonable(v):
    """Turns what xmlrpc.client returns into JSON, tagging what JSON lacks."""
    if isinstance(v, bytes):
        return {"base64": base64.b64encode(v).decode("ascii")}
    if isinstance(v, datetime.datetime):
        return {"datetime": v.isoformat()}
    if isinstance(v, float):
        return {"double": repr(v)}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    return v


VALUES = {
    "int": 42,
    "int min": -2**31,
    "int max": 2**31 - 1,
    "true": True,
    "false": False,
    "string": "hello <&> ]]> \n\t 'single' \"double\"",
    "unicode": "日本語 🙂 é",
    "empty string": "",
    "double": 3.141592653589793,
    "tiny double": 5e-324,
    "huge double": 1.7976931348623157e308,
    "datetime": datetime.datetime(1998, 7, 17, 14, 8, 55),
    "bytes": bytes(range(256)),
    "empty bytes": b"",
    "none": None,
    "list": [1, "two", [3.5, [None]], {}],
    "dict": {"a": {"b": [True, b"x"]}, "": "empty key", "n": None},
    "large string": "x" * 10000,
}


# Values that do not survive xmlrpc.client, with what comes back: its
# marshaller writes a carriage return as it is, and XML parsers read every
# line end as a line feed.
LOSSY = {
    "carriage returns": ("a\r\nb\rc", "a\nb\nc"),
}


def main():
    proxy = server_proxy(sys.argv[1])
    out = {"echo": {}, "types": {}}
    for name, v in VALUES.items():
        got = proxy.t.echo(v)
        out["echo"][name] = True if got == v and type(got) is type(v) else repr(got)[:200]
        out["types"][name] = proxy.t.types(v)[0]
    for name, (v, want) in LOSSY.items():
        got = proxy.t.echo(v)
        out["echo"][name] = True if got == want else repr(got)[:200]
    out["sample"] = jsonable(proxy.t.sample())
    faults = {}
    for method in ("t.fault", "t.error", "no.such"):
        try:
            getattr(proxy, method)()
            faults[method] = "no fault"
        except xmlrpc.client.Fault as f:
            faults[method] = [f.faultCode, f.faultString]
    out["faults"] = faults
    multi = xmlrpc.client.MultiCall(proxy)
    multi.t.echo(1)
    multi.t.fault()
    multi.t.echo("x")
    results = []
    iterator = multi()
    for i in range(3):
        try:
            results.append(jsonable(iterator[i]))
        except xmlrpc.client.Fault as f:
            results.append([f.faultCode, f.faultString])
    out["multicall"] = results
    out["listMethods"] = proxy.system.listMethods()
    json.dump(out, sys.stdout)


main()
