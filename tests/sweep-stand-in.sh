#!/bin/sh
# Stands in for twsim in the sweep tests (twsim sweep --twsim THIS): runs
# that no scenario can produce.  Seed 3 crashes with SIGSEGV, seed 7 says
# something on stderr and then crashes, seed 5 hangs (with a child of its
# own, which the sweep must kill too); every other seed runs $TWSIM.
ulimit -c 0
seed= prev=
for a in "$@"; do
  [ "$prev" = --seed ] && seed=$a
  prev=$a
done
case $seed in
  3) kill -SEGV $$ ;;
  7) echo "stand-in: about to crash" >&2; kill -SEGV $$ ;;
  5) sleep 1000; exit 0 ;;
esac
exec "$TWSIM" "$@"
