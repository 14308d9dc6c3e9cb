#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""cover.py: the series' cover letter and patch headers.

  cover.py fill COVER.patch COVER-LETTER BASE.version
        put the project's cover-letter (subject, blank line, body; the
        body's @BASE_VERSION@ becomes BASE.version's line) into the cover
        letter that git format-patch wrote
  cover.py author PATCH
        print the From: of PATCH, decoded, on one line
"""

import email
import email.header
import sys


def fill(cover, src, basever):
    lines = open(src).read().split('\n')
    subject = lines[0]
    body = '\n'.join(lines[2:]).rstrip('\n')
    body = body.replace('@BASE_VERSION@', open(basever).read().strip())
    text = open(cover).read()
    text = text.replace('*** SUBJECT HERE ***', subject)
    text = text.replace('*** BLURB HERE ***', body)
    open(cover, 'w').write(text)


def author(patch):
    m = email.message_from_file(open(patch))
    print(' '.join(str(email.header.make_header(
        email.header.decode_header(m['From']))).split()))


def main(argv):
    if len(argv) == 5 and argv[1] == 'fill':
        fill(*argv[2:])
        return 0
    if len(argv) == 3 and argv[1] == 'author':
        author(argv[2])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
