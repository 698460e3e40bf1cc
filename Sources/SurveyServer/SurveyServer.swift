// SurveyServer: the collaborators' TCP server (SwiftNIO).
//
// Framing and timeouts live in channel handlers; each connection is an async loop that feeds a
// `CollaboratorSession` and carries out its actions against the `SurveyStore`.
