"""Pure text helpers shared by the stages: sentences, date expressions, name folding."""
