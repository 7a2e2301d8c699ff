from seqkit.entry import main

main()
