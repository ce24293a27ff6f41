"""Follow-up questions: conversations over CUAD's contracts whose later turns lean on the
clause turn 1 named, scored by whether their citations land on that gold clause."""
