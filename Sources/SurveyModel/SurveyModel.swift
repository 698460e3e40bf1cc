// SurveyModel: the pure domain of surveyd.
//
// Units, topics, respondent groups, the sentiment scale, responses, calendar dates, periods and
// tallies. Nothing in this module performs I/O; everything here is a value type that can be tested
// on its own.
