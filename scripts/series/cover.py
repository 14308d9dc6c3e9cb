#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""cover.py: the series' cover letter and patch headers.

  cover.py fill COVER.patch COVER-LETTER BASE.version
        put the project's cover-letter (subject, blank line, body; the
        body's @BASE_VERSION@ becomes BASE.version's line) into the cover
        letter that git format-patch wrote
  cover.py author PATCH
        print the From: of PATCH, decoded, on one line
  cover.py recipients COVER.patch GET_MAINTAINER.txt
        add To: (the maintainers) and Cc: (reviewers and lists) headers, from
        scripts/get_maintainer.pl's output with its roles, to the cover
        letter, for git send-email --to-cover --cc-cover
  cover.py rangediff COVER.patch RANGE-DIFF.txt VERSION
        append 'git range-diff' against the previous version to the cover
        letter, after its shortlog and diffstat
"""

import email
import email.header
import re
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


def recipients(cover, gm):
    to, cc = [], []
    for line in open(gm):
        line = line.strip()
        if not line:
            continue
        who, _, role = line.partition(' (')
        who = who.strip()
        if re.match(r'^(maintainer|chief penguin)', role) and '@' in who:
            to.append(who)
        elif '@' in who:
            cc.append(who)
    text = open(cover).read()
    head, sep, body = text.partition('\nSubject: ')
    hdrs = ''
    if to:
        hdrs += 'To: ' + ',\n    '.join(to) + '\n'
    if cc:
        hdrs += 'Cc: ' + ',\n    '.join(cc) + '\n'
    open(cover, 'w').write(head + '\n' + hdrs + 'Subject: ' + body)


def rangediff(cover, rd, version):
    text = open(cover).read().rstrip('\n')
    diff = open(rd).read().rstrip('\n')
    # After the shortlog and diffstat that git format-patch wrote.
    text += '\n\nRange-diff against v%d:\n%s\n' % (int(version) - 1, diff)
    open(cover, 'w').write(text)


def main(argv):
    if len(argv) == 5 and argv[1] == 'fill':
        fill(*argv[2:])
        return 0
    if len(argv) == 4 and argv[1] == 'recipients':
        recipients(argv[2], argv[3])
        return 0
    if len(argv) == 5 and argv[1] == 'rangediff':
        rangediff(*argv[2:])
        return 0
    if len(argv) == 3 and argv[1] == 'author':
        author(argv[2])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
