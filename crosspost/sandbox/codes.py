"""The protocol's error table and how a fault string is built (reference §1.1, §7)."""

from __future__ import annotations

#: DW messages (Protocol.pm:57-140).
DW_MESSAGES: dict[int, str] = {
    100: "Invalid username",
    101: "Invalid password",
    102: "Can't use custom security on community journals.",
    103: "Poll error",
    104: "Error adding one or more friends",
    105: "Challenge expired",
    106: "Can only use administrator-locked security on community journals you manage.",
    150: "Can't post as non-user",
    151: "Banned from journal",
    152: "Can't make back-dated entries in non-personal journal.",
    153: "Incorrect time value",
    154: "Can't add a redirected account as a friend",
    155: "Non-authenticated email address",
    157: "Tags error",
    158: "Comment error",
    200: "Missing required argument(s)",
    201: "Unknown method",
    202: "Too many arguments",
    203: "Invalid argument(s)",
    204: "Invalid metadata datatype",
    205: "Unknown metadata",
    206: "Invalid destination journal username.",
    207: "Protocol version mismatch",
    208: "Invalid text encoding",
    209: "Parameter out of range",
    210: "Client tried to edit with corrupt data.  Preventing.",
    211: "Invalid or malformed tag list",
    300: "Don't have access to requested journal",
    301: "Access of restricted feature",
    302: "Can't edit post from requested journal",
    303: "Can't edit post in community journal",
    304: "Can't delete post in this community journal",
    305: "Action forbidden; account is suspended.",
    306: "This journal is temporarily in read-only mode.  Try again in a couple minutes.",
    307: "Selected journal no longer exists.",
    308: "Account is locked and cannot be used.",
    309: "Account is marked as a memorial.",
    310: "Account needs to be age verified before use.",
    311: "Access temporarily disabled.",
    312: "Not allowed to add tags to entries in this journal",
    313: "Must use existing tags for entries in this journal (can't create new ones)",
    314: "Only paid users allowed to use this request",
    315: "User messaging is currently disabled",
    316: "Poster is read-only and cannot post entries.",
    317: "Journal is read-only and entries cannot be posted to it.",
    318: "Poster is read-only and cannot edit entries.",
    319: "Journal is read-only and its entries cannot be edited.",
    402: "Your IP address is temporarily banned for exceeding the login failure rate.",
    404: "Cannot post",
    405: "Post frequency limit.",
    406: "Client is making repeated requests.  Perhaps it's broken?",
    407: "Moderation queue full",
    408: "Maximum queued posts for this community+poster combination reached.",
    409: "Post too large.",
    411: "Subject too long.",
    412: "Maximum number of comments reached",
    500: "Internal server error",
    501: "Database error",
    502: "Database temporarily unavailable",
    503: "Error obtaining necessary database lock",
    504: "Protocol mode no longer supported.",
    505: "Account data format on server is old and needs to be upgraded.",
    506: "Journal sync temporarily unavailable.",
    507: "Method temporarily disabled; try again later.",
}

#: LJ14 wording where it differs (bin/upgrading/en.dat, xmlrpc.error.NNN).
LJ_MESSAGES: dict[int, str] = {
    **DW_MESSAGES,
    102: "Can't use custom/private security on shared/community journals.",
    156: "Terms of Service agreement required",
    158: "You have no rights to make this entry sticky",
    320: "Sorry, there was a problem with content of the entry",
    321: "deleting is temporary disabled. Entry is 'private' now",
    411: "Action frequency limit.",
    412: "Subscribe limit reached.",
    507: "Delayed entry 'create' failed",
}
del LJ_MESSAGES[106]


class ProtocolError(Exception):
    """A protocol fault: ``code`` from the table, optional ``detail`` after the message."""

    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class ServerCrash(Exception):
    """Server code died outside the protocol's error path: a SOAP "Server" string fault."""


def fault_string(code: int, detail: str = "", dialect: str = "dw") -> str:
    """``<prefix><message>[: <detail>]`` with the prefix rules of §1.1."""
    table = DW_MESSAGES if dialect == "dw" else LJ_MESSAGES
    message = table.get(code, DW_MESSAGES.get(code, "Unknown error"))
    if code >= 500:
        prefix = "Server error: "
    elif code >= 200:
        prefix = "Client error: "
    else:
        prefix = ""
    text = prefix + message
    return f"{text}: {detail}" if detail else text
