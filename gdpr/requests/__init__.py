"""Data-subject requests and the controller's desk: the workflow, deadlines, mail."""
