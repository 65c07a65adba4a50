#!/bin/sh
# The modules form a one-way stack, drawn from the includes and the calls
# in the sources: the command line on top; the pipeline; the message and
# its outputs; the key cache, gpg, the queue, the real sendmail and the
# SMTP re-injection; the parsers and helpers
# at the bottom.  No file includes a header of a layer above it or calls
# a function defined there, and no two files call each other (a callback
# passed down as a function pointer is not a call here).  An edge that is
# known and still to go is listed in KNOWN and reported as TODO.
. "$(dirname "$0")/lib.sh"
command -v perl >/dev/null || skip_all "perl is not installed"
plan 6
KNOWN=
KNOWN=$KNOWN perl - "$ABS" >"$T/layers" <<'EOF_'
use strict;
use warnings;
my $dir = shift;
my @layers = (
    [qw(pgpsendmail)],			# the command line
    [qw(send smtp gateway border verify report)],	# the pipeline; the key report; --gateway and its border
    [qw(msg out)],			# the message and its outputs
    [qw(keycache gpg queue spool backend reinject run)],	# the key cache, gpg, the queue, the real sendmail, SMTP re-injection
    [qw(rfc5322 input armor keymap conf text fdio)],	# parsers and helpers
);
my (%layer, %inc, %defs, %src, %calls, @unplaced);
my %known = map { $_ => 1 } split ' ', $ENV{KNOWN} // '';
for my $i (0 .. $#layers) { $layer{$_} = $i + 1 for @{$layers[$i]} }
for my $f (glob("$dir/*.c"), glob("$dir/*.h")) {
	my ($m, $ext) = $f =~ m{([^/]+)\.([ch])$};
	open my $fh, '<', $f or die "$f: $!";
	my $s = do { local $/; <$fh> };
	push @unplaced, "$m.$ext" unless $layer{$m};
	$inc{"$m.$ext"} = [ $s =~ /^#include "([^"]+)\.h"/mg ];
	next if $ext eq 'h';
	# without comments, strings and character constants
	$s =~ s{(/\*.*?\*/)|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'}
	    {defined $1 ? ' ' : '""'}gse;
	$src{$m} = $s;
	# a definition (KNF): the name starts a line, its type the line before
	$defs{$1} = $m while $s =~ /^(?!static)[^\n]*\n([a-z_][a-z0-9_]*)\(/mg;
}
for my $m (keys %src) {
	for my $fn (keys %defs) {
		my $d = $defs{$fn};
		push @{$calls{$m}{$d}}, $fn
		    if $d ne $m && $src{$m} =~ /(?<![\w.>])\Q$fn\E\s*\(/;
	}
}
my (@up_inc, @up_call, @mutual, @todo);
sub bad { my ($list, $edge, $why) = @_;
	if ($known{$edge}) { push @todo, "$edge: $why"; $known{$edge} = 2 }
	else { push @$list, "$edge: $why" } }
for my $f (sort keys %inc) {
	my ($m) = $f =~ /^(.*)\.[ch]$/;
	for my $h (@{$inc{$f}}) {
		next unless $layer{$m} && $layer{$h} && $layer{$h} < $layer{$m};
		bad(\@up_inc, "$f->$h.h", "layer $layer{$m} includes layer $layer{$h}");
	}
}
for my $m (sort keys %calls) {
	for my $d (sort keys %{$calls{$m}}) {
		my $fns = join ' ', sort @{$calls{$m}{$d}};
		print "# $m.c -> $d.c: $fns\n";
		push @mutual, "$m.c<->$d.c" if $calls{$d}{$m} && $m lt $d;
		next unless $layer{$m} && $layer{$d};
		bad(\@up_call, "$m.c->$d.c", "layer $layer{$m} calls layer $layer{$d} ($fns)")
		    if $layer{$d} < $layer{$m};
	}
}
print "unplaced @unplaced\n" if @unplaced;
print "upinclude $_\n" for @up_inc;
print "upcall $_\n" for @up_call;
print "mutual $_\n" for @mutual;
print "todo $_\n" for @todo;
print "gone $_\n" for grep { $known{$_} == 1 } sort keys %known;
EOF_
report() {	# report KIND [WORDS]: the lines of that kind, as diagnostics
	grep "^$1 " "$T/layers" | sed "s/^$1 /${2:-} /" | while read -r l; do diag "$l"; done
}
check "every source file is placed in a layer" not grep -q '^unplaced ' "$T/layers"
report unplaced
check "no file includes a header of a layer above its own" \
    not grep -q '^upinclude ' "$T/layers"
report upinclude
check "no file calls a function of a layer above its own" \
    not grep -q '^upcall ' "$T/layers"
report upcall
check "no two files call each other" not grep -q '^mutual ' "$T/layers"
report mutual
check "every edge listed as known is still there (else take it off KNOWN)" \
    not grep -q '^gone ' "$T/layers"
report gone
report todo 'known, still to go:'
# README's "How the code is laid out" names every source file.
sed -n '/^How the code is laid out/,/^Each header lists/p' "$ABS/README" >"$T/layout"
: >"$T/unlisted"
for f in "$ABS"/*.c; do
	f=${f##*/}
	grep -q "^    $f " "$T/layout" || echo "$f" >>"$T/unlisted"
done
check "README's layout names every source file" not test -s "$T/unlisted"
[ ! -s "$T/unlisted" ] || diag "not in README: $(cat "$T/unlisted" | tr '\n' ' ')"
[ "$failed" -eq 0 ] || grep '^# ' "$T/layers" >&2
