"""Every fixed sentence and label (the ones that take no parameter) in one table, by topic.

Callers read `messages.WORDS.<name>`. A sentence with a number, a name or a time is a function in
its topic's module beside this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Words:
    """The fixed words, one field each; mrkdwn-safe like the other sentences."""

    # --- Slack: notices, buttons, the App Home tab and its room-group modal ---
    slack_share_button: str = "Share in channel"
    # When a listener fails in a way no other sentence covers (never a stack trace).
    slack_unexpected_error: str = (
        "Sorry, something went wrong on my side and I could not answer. Please try again in a minute."
    )
    slack_stale_button: str = "That button is out of date. Ask again with `/rooms` to get fresh buttons."
    slack_share_unavailable: str = (
        "I could not share that answer in this channel. Invite me with `/invite @roombot` and try again."
    )
    slack_home_title: str = "Meeting rooms"
    slack_home_intro: str = "Ask me with `/rooms tomorrow 2-3pm`, mention me in a channel, or send me a message here."
    slack_home_groups_header: str = "Your room groups"
    slack_home_no_groups: str = "You have no room groups yet. Create one to search several rooms at once."
    slack_home_default_group: str = "default"
    slack_home_bookings_header: str = "Your upcoming bookings"
    slack_home_no_bookings: str = "No upcoming bookings made through roombot."
    slack_home_no_default_group: str = (
        "Set a default group to see which rooms are free right now: `/rooms group default NAME`."
    )
    slack_button_create_group: str = "Create a group"
    slack_button_edit_group: str = "Edit"
    slack_button_cancel_booking: str = "Cancel"
    # the modal's titles, submit and close: at most 24 characters (Slack)
    slack_modal_title_new: str = "New room group"
    slack_modal_title_edit: str = "Edit room group"
    slack_modal_submit: str = "Save"
    slack_modal_close: str = "Cancel"
    slack_modal_name_label: str = "Group name"
    slack_modal_name_placeholder: str = "e.g. HQ 3rd floor"
    slack_modal_rooms_label: str = "Rooms"
    slack_modal_rooms_placeholder: str = "Type a room name"
    slack_modal_rooms_hint: str = "Rooms come from the DingTalk directory; type a few letters to search."
    slack_modal_name_required: str = "Give the group a name."
    slack_modal_rooms_required: str = "Pick at least one room."
    slack_modal_group_gone: str = "This group no longer exists, or it is not yours to edit."
    # The group modal's save outlasted Slack's patience (plain text: shown under a field).
    slack_modal_save_slow: str = (
        "Saving is taking longer than usual. It may still go through: check the Home tab in a minute."
    )
    serve_no_dingtalk: str = (
        "roombot serve: DingTalk is not configured: set DINGTALK_APP_KEY, DINGTALK_APP_SECRET and "
        "DINGTALK_OPERATOR_UNION_ID (or ROOMBOT_USE_SIMULATOR=1 to try roombot on the built-in simulator)."
    )

    # --- help, groups and the demo ---
    help_text: str = (
        "*Ask me for a free meeting room in plain words.* Times are read in your own time zone.\n"
        "• `free rooms tomorrow 2-3pm` · `any room now` · `friday afternoon for 8 people with a projector`\n"
        "• `a 30 min slot between 2 and 5pm in HQ` · `明天下午2点到3点有空的会议室`\n"
        "• `book 3F-Everest tomorrow 2-3pm` · `my bookings` · `cancel my 2pm booking`\n"
        "• `check in` · `release 3F-K2` · `end my meeting now` · `extend 30 min` · `remind me 15 min before`\n"
        "• `when can @ana @bo and I meet tomorrow for an hour` · `明天和 @ana 开一小时会`\n"
        "• `groups` · `group add HQ 3F-Everest 3F-K2` · `group import` · `group default HQ`\n"
        "• `link &lt;your mobile number&gt;` to book in your own DingTalk name (I send a code to your DingTalk)"
        " · `unlink`"
    )
    import_groups_button: str = "Import DingTalk groups"
    share_needs_channel: str = (
        "Share a group from the channel you want to share it with: run `/rooms group share &lt;name&gt;` there."
    )
    demo_goodbye: str = "Bye!"

    # --- bookings ---
    booking_needs_room: str = "a room and a time"
    booking_text_example: str = "book 3F-Everest tomorrow 2-3pm"
    bookings_header: str = "Your upcoming bookings"
    bookings_none: str = (
        "You have no upcoming bookings made through roombot. "
        "Book a room from any answer, or type `book &lt;room&gt; &lt;time&gt;`."
    )
    cancel_button: str = "Cancel"
    cancel_pick: str = "Which booking should I cancel? Click *Cancel* next to it, or type `cancel &lt;booking number&gt;`."

    # --- reminders, check-in, release and extend ---
    checkin_button: str = "Check in"
    release_button: str = "Release room"
    release_confirm_title: str = "Release the room?"
    release_confirm_yes: str = "Release"
    release_confirm_no: str = "Keep it"
    extend_bad_minutes: str = "Extend by how long? For example `extend 30 min` (at most 4 hours)."
    reminders_off: str = "OK: no more reminders. Turn them back on with `remind me 10 min before`."
    group_grace_bad: str = "Give minutes (0–240), `off` or `default`, for example `group grace HQ 10`."

    # --- linking accounts and who may act ---
    link_code_expired: str = "That code has expired. Ask for a new one with `link &lt;your mobile number&gt;`."
    link_code_none: str = (
        "There is no link waiting for a code. Start with `link &lt;your mobile number&gt;` or `link &lt;your unionId&gt;`."
    )
    link_needs_agent_id: str = (
        "Linking sends a code through DingTalk work notifications, which is not set up yet. "
        "A workspace admin needs to set `DINGTALK_AGENT_ID` (the DingTalk app's AgentId)."
    )
    linked_verified: str = "Linked! Rooms you book from now on are booked in your own DingTalk name."
    link_email_no_match: str = (
        "I could not find a DingTalk account with your Slack e-mail address. "
        "Link with `link &lt;your mobile number&gt;` instead: I'll send a code to your DingTalk."
    )
    unlinked: str = "Your DingTalk link is removed. Rooms you book are booked with roombot's account, in your name."
    unlink_nothing: str = "There is no DingTalk link to remove."
    unlink_others_admin_only: str = (
        "Only workspace admins can remove someone else's DingTalk link. To remove your own, type `unlink`."
    )
    workspace_groups_admin_only: str = (
        "Only workspace admins can create, import, rename, delete or share workspace groups. "
        "Ask a workspace admin, or make a group of your own with `group add &lt;name&gt; &lt;room&gt; &lt;room&gt;`."
    )
    external_user_refused: str = (
        "Sorry, you are a guest from another organisation here, so I can't book rooms, link accounts "
        "or change room groups for you. Someone from this workspace can help."
    )
    external_user_cannot_see: str = (
        "Sorry, room availability is only shown to members of this workspace. "
        "Someone from this workspace can check it for you."
    )
    share_not_possible: str = (
        "Only room availability can be shared in the channel. Ask the question again to get a fresh answer."
    )

    # --- finding a time for people ---
    meet_everyone_free: str = "Everyone is free"
    meet_no_room: str = "No room that fits is free then"
    meet_no_common_time: str = (
        "No time suits everyone. These have the fewest conflicts. To rank someone lower, "
        "mark them optional, like `@bo optional`."
    )
    meet_no_groups: str = "You have no room groups yet, so I looked for a time without a room. Try `group import`."
    meet_video_note: str = "The invitation will include a DingTalk video meeting."

    # --- availability answers ---
    alternatives_header: str = "Nearest other times"
    other_groups_header: str = "Free in your other groups"
    timeline_legend: str = "▓ busy  ░ awaiting approval  · free  [ ] your time"

    # --- rooms DingTalk will not let the asker book, and approvals ---
    not_open_to_you: str = "Not open to you (members only)"
    approval_alternatives: str = "These rooms are free then:"
    approval_no_alternatives: str = "No other room of your groups is free then; ask me for another time."

    # --- the DingTalk call budget ---
    refresh_button: str = "Refresh"
    running_low_note: str = (
        "DingTalk calls are running low this month, so answers are refreshed less often and may be a little older."
    )
    quota_home_header: str = "DingTalk calls this month (admins)"

    # --- errors ---
    account_not_linked: str = (
        "To book rooms in your own name, link your DingTalk account first: "
        "`link &lt;your mobile number&gt;` or `link &lt;your DingTalk unionId&gt;`."
    )
    no_groups: str = (
        "You have no room groups yet, so I don't know which rooms to check. "
        "Import DingTalk's own groups with `group import`, "
        "or make one with `group add &lt;name&gt; &lt;room&gt; &lt;room&gt;`."
    )

    # --- reconciling bookings with DingTalk ---
    audit_clean: str = "Nothing to fix: every booking is settled and every roombot event is known."
    audit_not_configured: str = "DingTalk is not configured (DINGTALK_APP_KEY …): the audit needs it to read the calendars."

    # --- background jobs ---
    # a job that needs DingTalk (the directory refresh, the reconcile) when it is not set up
    jobs_dingtalk_not_configured: str = "skipped: DingTalk is not configured"
    jobs_list_empty: str = "No background jobs yet."

    # --- the command line ---
    cli_no_dingtalk_credentials: str = (
        "no DingTalk credentials. Set DINGTALK_APP_KEY and DINGTALK_APP_SECRET "
        "(or the DINGTALK_SUITE_* and DINGTALK_AUTH_CORP_ID settings) and DINGTALK_OPERATOR_UNION_ID."
    )
    cli_operator_required: str = "DINGTALK_OPERATOR_UNION_ID is required to list rooms."
    serve_socket_connecting: str = "Socket Mode, connecting to Slack"


WORDS: Final = Words()

__all__ = ["WORDS", "Words"]
