"""The simulated DingTalk endpoints, one module per API family; each family's `handlers()` maps
endpoint keys (see bot.sim.routes) to handlers."""
