// The WebSocket's cache of operation texts that passed parsing and validation.
import { parse } from 'graphql';
import { ValidatedDocuments } from '../src/server/validated-documents.ts';

describe('validated documents', () => {
  const documentOf = (text: string) => parse(text);

  it('answers the document added for a text, and nothing for a text never added', () => {
    const cache = new ValidatedDocuments(2);
    const document = documentOf('{ me { id } }');
    cache.add('{ me { id } }', document);
    expect(cache.get('{ me { id } }')).toBe(document);
    expect(cache.get('{ me { name } }')).toBeUndefined();
  });

  it('keeps at most its size, forgetting the text used least recently', () => {
    const cache = new ValidatedDocuments(2);
    cache.add('a', documentOf('{ a }'));
    cache.add('b', documentOf('{ b }'));
    expect(cache.get('a')).toBeDefined();
    cache.add('c', documentOf('{ c }'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
  });
});
