// The WebSocket's cache of operation texts that passed parsing and validation.
import { parse } from 'graphql';
import { ValidatedDocuments } from '../src/server/ws/ws-validated-documents.ts';

describe('validated documents', () => {
  const documentOf = (text: string) => parse(text);

  it('answers the document added for a text, and nothing for a text never added', () => {
    const cache = new ValidatedDocuments(2);
    const document = documentOf('{ me { id } }');
    cache.add('{ me { id } }', document);
    expect(cache.get('{ me { id } }')).toBe(document);
    expect(cache.get('{ me { name } }')).toBeUndefined();
  });

  it('keeps the texts used since the last generation began, and forgets those unused for two generations', () => {
    // Size 4: generations of two texts.
    const cache = new ValidatedDocuments(4);
    cache.add('a', documentOf('{ a }'));
    cache.add('b', documentOf('{ b }'));
    cache.add('c', documentOf('{ c }')); // a and b become the older generation
    expect(cache.get('a')).toBeDefined(); // a moves to the current one, beside c
    cache.add('d', documentOf('{ d }')); // c and a become the older; b is forgotten
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
  });

  it('never holds more than its size', () => {
    const cache = new ValidatedDocuments(4);
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) cache.add(name, documentOf(`{ ${name} }`));
    const kept = ['a', 'b', 'c', 'd', 'e', 'f'].filter((name) => cache.get(name) !== undefined);
    expect(kept.length).toBeLessThanOrEqual(4);
    expect(kept).toEqual(expect.arrayContaining(['e', 'f']));
  });
});
