"""Runs supervisor's own XML-RPC code on what procman/xmlrpc writes.

Run by TestSupervisorModule with the Python that supervisorctl runs on. It
reads a JSON object from stdin, {"calls": [methodCall documents]}, and
prints a JSON object with:
  faults:     the codes of supervisor.xmlrpc.Faults, by name;
  texts:      the faultString supervisord writes for a few RPCErrors;
  loads:      each call as supervisord's request parser reads it,
              [method, params], with datetimes as ISO strings;
  responses:  response documents written by supervisord's xmlrpc_marshal.
"""
import datetime
import json
import sys

from supervisor import xmlrpc
from supervisor.compat import xmlrpclib


def jsonable(v):
    if isinstance(v, datetime.datetime):
        return {"datetime": v.isoformat()}
    if isinstance(v, float):
        return {"double": repr(v)}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    return v


def main():
    request = json.load(sys.stdin)
    faults = {name: code for name, code in vars(xmlrpc.Faults).items()
              if not name.startswith("_")}
    texts = {
        "BAD_NAME foo": xmlrpc.RPCError(xmlrpc.Faults.BAD_NAME, "foo").text,
        "SUCCESS": xmlrpc.RPCError(xmlrpc.Faults.SUCCESS).text,
        "999 x": xmlrpc.RPCError(999, "x").text,
    }
    handler = object.__new__(xmlrpc.supervisor_xmlrpc_handler)
    loads = []
    for doc in request["calls"]:
        params, method = handler.loads(doc)
        loads.append([method, jsonable(list(params))])
    responses = {
        "process info": xmlrpc.xmlrpc_marshal([{
            "name": "web", "group": "web", "pid": 4242, "state": 20,
            "statename": "RUNNING", "start": 1700000000,
            "description": "pid 4242, uptime 0:01:00", "spawnerr": "",
        }]),
        "true": xmlrpc.xmlrpc_marshal(True),
        "tail": xmlrpc.xmlrpc_marshal(["log text\n", 1600, False]),
        "fault": xmlrpc.xmlrpc_marshal(xmlrpclib.Fault(
            xmlrpc.Faults.BAD_NAME, xmlrpc.RPCError(xmlrpc.Faults.BAD_NAME, "foo").text)),
    }
    json.dump({"faults": faults, "texts": texts, "loads": loads, "responses": responses},
              sys.stdout)


main()
