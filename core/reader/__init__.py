"""The offline reader: extractive answers with page citations, no model, no key.

offline.py             OfflineReader: rank sentences, answer, cite
sentences.py           sentence splitting that keeps page offsets
answer_types.py        what kind of value a question asks for
questions.py           the clause kinds a lawyer asks about, and where each is answered
contract.py            a contract's structure: preamble, sections, signature blocks
parties.py             the preamble and the parties it names
contract_sentences.py  which sentences answer a contract question
answers.py             contract answers: pick the sentences, write the answer
"""
