"""The digest: a periodic summary of what people said, sent through the outbox like every other message.

One idea per module: `schedule` (when a digest is due), `figures` (the numbers, pure), `themes` (recurring
complaint phrases), `charts` (the PNG), `html` (the email and the plain text), `compose` (one digest's content,
frozen per destination into outbox rows), `job` (the daemon's timer that queues the scheduled digest).
"""
