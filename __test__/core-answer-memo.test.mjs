// A token answered again from the token cache gets one shared, deeply frozen object (the
// memo of src/memo.rs). These tests pin that the memo keeps every guarantee of the token
// cache: entries end with exp, go when their key leaves the JWKS, belong to one verifier's
// options, and are bounded in number and in bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OidcVerifier, SignInRules } from '../index.js';
import { startIssuer, optionsFor } from '../test-support/test-issuer.mjs';

const sleep = ms => new Promise(r => setTimeout(r, ms));
const COOLDOWN_MS = 5000; // KID_MISS_COOLDOWN
const codeOf = promise => promise.then(() => 'OK', e => e.code);
// src/memo.rs
const MAX_ENTRIES = 1024;
const MAX_BYTES = 4 << 20;

function deeplyFrozen(value) {
  if (value === null || typeof value !== 'object') return true;
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

async function withIssuer(body, { alg = 'RS256' } = {}) {
  const issuer = await startIssuer({ algs: [alg] });
  try {
    await body(issuer);
  } finally {
    await issuer.stop();
  }
}

test('a token answered again gets one shared, deeply frozen object; its first answer is the caller\'s own', () =>
  withIssuer(async issuer => {
    const verifier = new OidcVerifier(optionsFor(issuer));
    const token = await issuer.sign({ realm_access: { roles: ['a', 'b'] }, groups: ['/x/y'] });
    const first = await verifier.verify(token);
    assert.equal(Object.isFrozen(first), false);
    first.sub = 'changed by the first caller';
    const second = await verifier.verify(token);
    const third = await verifier.verify(token);
    assert.equal(second, third, 'the same object');
    assert.notEqual(second, first);
    assert.equal(second.sub, 'user-1', 'the first caller\'s change reached no one');
    assert.ok(deeplyFrozen(second), 'frozen all the way down');
    assert.deepEqual(second.realm_access, { roles: ['a', 'b'] });
    assert.throws(() => { 'use strict'; second.realm_access.roles.push('c'); }, TypeError);
  }));

test('a sign-in answered again gets one shared, frozen result for the same rules, another for other rules', () =>
  withIssuer(async issuer => {
    const verifier = new OidcVerifier(optionsFor(issuer));
    const rules = new SignInRules({ resolvers: [{ lookup: 'email', allowedDomains: ['example.com'] }] });
    const other = new SignInRules({ resolvers: [{ lookup: 'emailLocalPart' }] });
    const header = await issuer.sign();
    const first = await verifier.signIn(header, rules);
    assert.equal(first.repeated, false, 'a first verification');
    const again = await verifier.signIn(header, rules);
    assert.equal(again.repeated, true, 'answered from the token cache');
    assert.equal(again.id, first.id, 'the same verification');
    assert.equal(await verifier.signIn(header, rules), again);
    assert.ok(deeplyFrozen(again));
    const underOther = await verifier.signIn(header, other);
    assert.notEqual(await verifier.signIn(header, other), again, 'other rules, another answer');
    assert.equal(await verifier.signIn(header, other), await verifier.signIn(header, other));
    assert.notDeepEqual(underOther.resolvers, again.resolvers);
    // The claims of a verify() and of a sign-in are separate answers of the same verification.
    assert.notEqual(await verifier.verify(header), again.claims);
  }));

test('an entry ends with exp: the token is refused once it expires, not answered from the memo', () =>
  withIssuer(async issuer => {
    const verifier = new OidcVerifier(optionsFor(issuer, { clockTolerance: 0 }));
    const token = await issuer.sign({ exp: Math.floor(Date.now() / 1000) + 2 });
    await verifier.verify(token);
    await verifier.verify(token);
    assert.equal(await verifier.verify(token), await verifier.verify(token), 'memo in use');
    await sleep(2600);
    assert.equal(await codeOf(verifier.verify(token)), 'ERR_JWT_EXPIRED');
  }));

test('an entry goes when its key leaves the JWKS', () =>
  withIssuer(async issuer => {
    const verifier = new OidcVerifier(optionsFor(issuer));
    const token = await issuer.sign();
    await verifier.verify(token);
    const kept = await verifier.verify(token);
    assert.equal(await verifier.verify(token), kept, 'memo in use');
    await sleep(COOLDOWN_MS + 200);
    const key = await issuer.rotate({ drop: true });
    await verifier.verify(await issuer.sign({}, { key })); // the refetch sees the new set
    assert.equal(await codeOf(verifier.verify(token)), 'ERR_JWKS_NO_MATCHING_KEY');
  }));

test('entries belong to one verifier\'s options: another verifier neither sees nor is refused by them', () =>
  withIssuer(async issuer => {
    const a = new OidcVerifier(optionsFor(issuer));
    const b = new OidcVerifier(optionsFor(issuer));
    const strict = new OidcVerifier(optionsFor(issuer, { audience: 'another-app' }));
    const token = await issuer.sign();
    await a.verify(token);
    const ofA = await a.verify(token);
    assert.equal(await a.verify(token), ofA);
    assert.equal(await codeOf(strict.verify(token)), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'its own options still refuse');
    await b.verify(token);
    const ofB = await b.verify(token);
    assert.notEqual(ofB, ofA, 'each verifier answers from its own cache');
    assert.equal(await b.verify(token), ofB);
  }));

test('the memo is bounded in entries: the oldest goes first', () =>
  withIssuer(async issuer => {
    const verifier = new OidcVerifier(optionsFor(issuer));
    const tokens = await Promise.all(Array.from({ length: MAX_ENTRIES + 8 }, (_, i) => issuer.sign({ sub: `u${i}` })));
    const memo = async t => { await verifier.verify(t); return verifier.verify(t); };
    const oldest = await memo(tokens[0]);
    const next = await memo(tokens[1]);
    for (const t of tokens.slice(2)) await memo(t);
    assert.notEqual(await verifier.verify(tokens[0]), oldest, 'the oldest entry was made again');
    assert.equal((await verifier.verify(tokens[0])).sub, 'u0');
    assert.notEqual(await verifier.verify(tokens[1]), next, 'so was the next');
    const last = tokens.at(-1);
    assert.equal(await verifier.verify(last), await verifier.verify(last), 'recent entries stay');
  }, { alg: 'ES256' }));

test('the memo is bounded in bytes: large claims push out the oldest before the entry bound', () =>
  withIssuer(async issuer => {
    const verifier = new OidcVerifier(optionsFor(issuer));
    const filler = 'x'.repeat(10_000); // about 10 KB of claims each; the token stays under 16 KiB
    const count = Math.ceil(MAX_BYTES / 10_000) + 8; // well under MAX_ENTRIES
    assert.ok(count < MAX_ENTRIES);
    const tokens = await Promise.all(Array.from({ length: count }, (_, i) => issuer.sign({ sub: `u${i}`, filler })));
    const memo = async t => { await verifier.verify(t); return verifier.verify(t); };
    const oldest = await memo(tokens[0]);
    assert.equal(await verifier.verify(tokens[0]), oldest);
    for (const t of tokens.slice(1)) await memo(t);
    assert.notEqual(await verifier.verify(tokens[0]), oldest, 'pushed out by bytes');
  }, { alg: 'ES256' }));
