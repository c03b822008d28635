#!/bin/bash
# git_flow.sh: a git workflow in a temporary directory (native: removed at the end):
# init, add, commit, log, diff, branch, checkout, merge, status, tag, gc (packs,
# mmaps them, renames and fsyncs), fsck, a clone of the local repository and a
# commit pushed back to it. Fixed names and dates make every hash the same run to run.
set -e
d=$(mktemp -d /tmp/sbx-git.XXXXXX)
trap 'rm -rf "$d"' EXIT
export HOME=$d GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@example.org
export GIT_COMMITTER_NAME=C GIT_COMMITTER_EMAIL=c@example.org
export GIT_AUTHOR_DATE="2020-01-01T00:00:00Z" GIT_COMMITTER_DATE="2020-01-01T00:00:00Z"
cd "$d"
git init -q -b main r
cd r
seq 1 200 > nums
printf 'hello\n' > hello.txt
mkdir -p src/deep
echo 'int main(void) { return 0; }' > src/deep/m.c
git add .
git commit -qm first
git tag v1
git log --format='%H %an %s'
sed -i 's/^50$/fifty/' nums
git diff --stat
git diff | tail -n 4
git checkout -q -b topic
git commit -qam 'fifty in words'
echo more >> hello.txt
git status --short
git stash -q
git status --short
git stash pop -q
git commit -qam 'more hello'
git checkout -q main
echo other > other.txt
git add other.txt
GIT_COMMITTER_DATE="2020-01-02T00:00:00Z" git commit -qm other
GIT_COMMITTER_DATE="2020-01-03T00:00:00Z" git merge -q --no-edit topic
git log --format='%h %s' --graph
git branch -a
git mv hello.txt greeting.txt
git rm -q src/deep/m.c
git commit -qm 'rename and remove'
git show --stat --format=%s HEAD | sed '/^$/d'
git gc -q
git count-objects -v | grep -E '^(count|in-pack|packs)'
git fsck --no-progress 2>&1
git verify-pack -v .git/objects/pack/*.idx | tail -n 2
cd ..
git clone -q r c
cd c
git log --oneline | wc -l
echo change >> nums
git commit -qam 'from the clone'
git push -q origin main:fromclone 2>&1
cd ../r
git log --format='%h %s' fromclone -1
git describe --tags
git archive --format=tar HEAD | tar -t | sort
