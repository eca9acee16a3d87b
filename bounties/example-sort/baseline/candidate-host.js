'use strict';
// Runs the candidate's sort() in the candidate's own sandbox (bounty.json's "candidate"), under Node's
// permission model as well: it may read only its own three files, write no file, and start no process, worker
// or native addon. It talks to the harness over the pipes bounty.json declares (3: requests, 4: replies) and
// never sees the keys: every comparison is a round trip to the harness, which counts it.

const { LineChannel } = require('./channel.js');

const REQUESTS_FD = 3;
const REPLIES_FD = 4;
const channel = new LineChannel(REPLIES_FD, REQUESTS_FD);
const { sort } = require('./sort.js');

function sortCase(length) {
  const ids = new Map();
  const items = Array.from({ length }, (_, id) => {
    const item = Object.freeze(Object.create(null));
    ids.set(item, id);
    return item;
  });
  const idOf = (item) => {
    const id = ids.get(item);
    if (id === undefined) throw new Error('compare() was given something that is not an item of this case');
    return id;
  };
  const compare = (a, b) => {
    channel.writeLine(`cmp ${idOf(a)} ${idOf(b)}`);
    return Number(channel.readLine());
  };
  const sorted = sort(items.slice(), compare);
  channel.writeLine(`done ${(Array.isArray(sorted) ? sorted : []).map(idOf).join(' ')}`);
}

for (
  let message = channel.readLine();
  message !== undefined && message !== 'end';
  message = channel.readLine()
) {
  sortCase(Number(message.split(' ')[1]));
}
