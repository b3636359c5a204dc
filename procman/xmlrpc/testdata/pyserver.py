"""A Python xmlrpc.server for the procman/xmlrpc Client to call.

Run by TestPythonServer as: python3 pyserver.py. It listens on a free port
of 127.0.0.1, prints the port on a line of its own, and serves until it is
killed.
"""
import datetime
import sys
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCServer


def echo(v):
    return v


def types(*args):
    return [type(a).__name__ for a in args]


def sample():
    return {
        "int": -7,
        "bool": True,
        "string": "héllo <&>\r\n",
        "double": 0.1,
        "datetime": datetime.datetime(2024, 2, 29, 23, 59, 59),
        "bytes": b"\x00\xffbin",
        "none": None,
        "list": [1, [2, [3]], {"k": "v"}],
        "empty": {},
        # Over the server's encode_threshold (1400 bytes): the response is
        # gzipped when the client accepts it, as Go's does.
        "large": "y" * 5000,
    }


def fault():
    raise xmlrpc.client.Fault(10, "BAD_NAME: foo")


def error():
    raise ValueError("boom")


server = SimpleXMLRPCServer(("127.0.0.1", 0), allow_none=True, use_builtin_types=True,
                            logRequests=False)
server.register_function(echo, "t.echo")
server.register_function(types, "t.types")
server.register_function(sample, "t.sample")
server.register_function(fault, "t.fault")
server.register_function(error, "t.error")
server.register_multicall_functions()
server.register_introspection_functions()
print(server.server_address[1], flush=True)
server.serve_forever()
