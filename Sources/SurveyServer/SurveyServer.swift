// SurveyServer: the collaborators' TCP server (SwiftNIO).
//
// Framing and timeouts (idle, login grace) live in channel handlers; who gets a place among the
// connections is a pure value (`ConnectionAdmission`); each connection is an async loop that feeds
// a `CollaboratorSession` and carries out its actions against a `BatchStore` (the `SurveyStore`,
// or a fake in the tests).
