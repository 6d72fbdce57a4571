"""The integrity check of the live database against the signed audit log (``evote audit check``)."""
