// The reference side of tests/test_merkle_compat.py: whatever @openzeppelin/merkle-tree
// (from the repository's node_modules) makes of the same values and dumps.
// Reads one JSON request on stdin and writes one JSON reply on stdout:
//   {"build": [{"values", "encoding"}], "load": [dump], "verify": [{"root", "encoding", "value", "proof"}]}
//   -> {"built": [tree], "loaded": [tree | {"error"}], "verified": [bool]}
// where tree = {"root", "dump", "proofs"} with one proof per value, in value order.
"use strict";

const fs = require("fs");
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");

function describe(tree) {
  const proofs = [];
  for (let i = 0; i < tree.length; i++) proofs.push(tree.getProof(i));
  return { root: tree.root, dump: tree.dump(), proofs };
}

function loadOrError(dump) {
  try {
    return describe(StandardMerkleTree.load(dump));
  } catch (err) {
    // A rejected dump is an answer, not a failure of the script.
    return { error: String(err && err.message ? err.message : err) };
  }
}

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const reply = {
  built: (request.build || []).map(({ values, encoding }) => describe(StandardMerkleTree.of(values, encoding))),
  loaded: (request.load || []).map(loadOrError),
  verified: (request.verify || []).map(({ root, encoding, value, proof }) =>
    StandardMerkleTree.verify(root, encoding, value, proof)),
};
process.stdout.write(JSON.stringify(reply));
