"""DingTalk's API families, one module each: tokens, rooms, free/busy, events, users (oapi host).

Each is a small class over a `bot.dingtalk.transport.Transport`; `bot.dingtalk.client.DingTalkClient`
composes them behind one public surface.
"""
