"""Review: analysts' corrections, confirmations and rejections, as checked overrides.

``geo.review.edits`` says which fields can be corrected and how a correction applies;
the store keeps overrides and the audit trail (``geo.store.happen``), and the CLI
(``geo review``) and the page call it.
"""
