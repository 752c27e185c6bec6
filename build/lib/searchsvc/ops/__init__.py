"""ops: running searchsvc beyond one process.

Owns publishing builds to other index folders and hosts (``publish``),
the loopback cluster of replicas behind nginx (``cluster``), nginx's
config from the package's template (``nginx``, ``templates/``) and the
gunicorn settings every server runs with (``gunicorn_conf``). Nothing
here reads a source checkout: an installed package runs all of it.

Imports: anything; nothing imports ops but the command line. This file
imports nothing, so gunicorn can load ``gunicorn_conf`` before gevent is
patched.
"""
