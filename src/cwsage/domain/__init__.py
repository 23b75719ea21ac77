"""The canonical model in the middle: documents to post, Sage master data, and validation issues.

Pure data (frozen dataclasses): no I/O, no clock, no database. The Manage side translates into it
(:mod:`cwsage.mapping.from_manage`), validation reads it (:mod:`cwsage.mapping.validate`), and the Sage
side translates out of it (:mod:`cwsage.mapping.to_sage`).
"""
