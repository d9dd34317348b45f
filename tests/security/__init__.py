"""Access tests of issue #12 (item 3, parts of 4, spec rule 15): every write checks the records it references, the
IDOR matrix by role through the API and the web forms, and the security review's reproductions."""
