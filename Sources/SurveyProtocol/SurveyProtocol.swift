// SurveyProtocol: the collaborators' line protocol, as pure code.
//
// `LineFramer` turns bytes into bounded lines, `Command` parses a line, `Reply` formats the
// SMTP-style replies, and `CollaboratorSession` is the per-connection state machine that takes lines
// and returns actions for the server to carry out. No I/O happens here; docs/PROTOCOL.md is the
// specification this module implements.

/// The protocol's name and version, sent in the greeting.
public let protocolVersion = "SURVEY/1"
