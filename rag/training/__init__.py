"""Training the reader (`rag reader train`), apart from the code that serves it.

- `finetune`: the training data (`Item`s from gold rows and NorQuAD contexts), the LoRA
  fine-tuning loop, and the small fits (the logistic scorer, the listwise choice, the
  abstention threshold);
- `synthetic`: questions made by rule from Norwegian sentences, for a warm start;
- `pipeline`: the whole rebuild of `rag/reader_model/`, through the serving stages'
  public functions (conversation, candidates, choice).

Serving code never imports this package.
"""
