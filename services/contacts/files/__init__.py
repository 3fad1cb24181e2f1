"""Files in and out of the CRM: the import template, CSV/Excel/vCard imports, CSV/Excel exports
and the PDFs generated from a record. Pure functions: bytes in, values out."""
