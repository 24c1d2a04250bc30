"""The Slack workspace the e2e tests act in: its team, its two users and their channels."""

TEAM = "T_E2E"
ALICE = "U_ALICE"
BOB = "U_BOB"
CHANNEL = "C_GENERAL"
DM = "D_ALICE"
